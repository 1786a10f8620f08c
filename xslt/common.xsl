<?xml version="1.0" encoding="UTF-8"?>
<!--
  What every output format agrees on about the TEI: how a page, a paragraph,
  a gap or a register reference is named. Imported by tei2html.xsl,
  tei2txt.xsl and tei2data.xsl, so that the HTML, the plain text and the
  register pages never disagree about a number or a link.
-->
<xsl:stylesheet version="1.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:tei="http://www.tei-c.org/ns/1.0"
  exclude-result-prefixes="tei">

  <!-- Structural elements hold no text of their own: indentation there is not content. -->
  <xsl:strip-space elements="tei:TEI tei:text tei:front tei:body tei:back tei:div tei:figure
                             tei:argument tei:listPerson tei:listPlace tei:listOrg"/>

  <!-- Characters allowed in a register key, so that it is safe as a file name. -->
  <xsl:key name="by-id" match="*[@xml:id]" use="@xml:id"/>

  <xsl:variable name="key-chars"
    select="'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.'"/>

  <!-- "persons.xml#guo-fang" -> "persons" when it names one of the three registers, else "". -->
  <xsl:template name="register-kind">
    <xsl:param name="ref" select="@ref"/>
    <xsl:variable name="file" select="substring-before($ref, '.xml#')"/>
    <xsl:variable name="key" select="substring-after($ref, '.xml#')"/>
    <xsl:if test="($file = 'persons' or $file = 'places' or $file = 'orgs')
                  and $key != '' and not(starts-with($key, '.'))
                  and translate($key, $key-chars, '') = ''">
      <xsl:value-of select="$file"/>
    </xsl:if>
  </xsl:template>

  <!-- The register entry of a name, relative to the site root: registers/persons/guo-fang.html -->
  <xsl:template name="register-path">
    <xsl:param name="ref" select="@ref"/>
    <xsl:variable name="kind">
      <xsl:call-template name="register-kind">
        <xsl:with-param name="ref" select="$ref"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:if test="$kind != ''">
      <xsl:value-of select="concat('registers/', $kind, '/', substring-after($ref, '.xml#'), '.html')"/>
    </xsl:if>
  </xsl:template>

  <!-- Printed page label: 第1版 -->
  <xsl:template name="page-label">
    <xsl:param name="n" select="@n"/>
    <xsl:value-of select="concat('第', $n, '版')"/>
  </xsl:template>

  <!-- The page an element was printed on: the nearest preceding pb. -->
  <xsl:template name="page-of">
    <xsl:value-of select="preceding::tei:pb[1]/@n"/>
  </xsl:template>

  <!--
    The citable label of a paragraph. Numbers come from the stable xml:id
    (…-a01-p07 is paragraph 7), not from the position, so that the number a
    reader cites stays valid when an editor inserts a paragraph.
  -->
  <xsl:template name="para-label">
    <xsl:variable name="container" select="ancestor::*[@xml:id][1]/@xml:id"/>
    <xsl:variable name="from-id" select="number(substring-after(@xml:id, concat($container, '-p')))"/>
    <xsl:variable name="item" select="number(substring-after(@xml:id, concat($container, '-s')))"/>
    <xsl:variable name="n">
      <xsl:choose>
        <xsl:when test="string($from-id) != 'NaN'"><xsl:value-of select="$from-id"/></xsl:when>
        <xsl:when test="string($item) != 'NaN'"><xsl:value-of select="$item"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="count(preceding-sibling::tei:p) + 1"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:choose>
      <xsl:when test="ancestor::tei:argument">摘要</xsl:when>
      <xsl:when test="ancestor::tei:figure">图片说明</xsl:when>
    </xsl:choose>
    <!-- a summary box or a caption of one item needs no number; of several, each is cited by it -->
    <xsl:if test="not(ancestor::tei:argument or ancestor::tei:figure) or count(../tei:p) > 1
                  or (parent::tei:argument and count(../../tei:argument/tei:p) > 1)">
      <xsl:value-of select="$n"/>
    </xsl:if>
  </xsl:template>

  <!-- What an editor says about a gap: 〔第4版未录入〕, 〔字迹不清：3字〕 -->
  <xsl:template name="gap-label">
    <xsl:variable name="why">
      <xsl:choose>
        <xsl:when test="@reason = 'untranscribed'">未录入</xsl:when>
        <xsl:when test="@reason = 'illegible'">字迹不清</xsl:when>
        <xsl:when test="@reason = 'damage'">原件残损</xsl:when>
        <xsl:otherwise>缺文</xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="unit">
      <xsl:choose>
        <xsl:when test="@unit = 'page'">版</xsl:when>
        <xsl:when test="@unit = 'chars' or @unit = 'char'">字</xsl:when>
        <xsl:when test="@unit = 'line' or @unit = 'lines'">行</xsl:when>
        <xsl:otherwise><xsl:value-of select="@unit"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="page" select="preceding::tei:pb[1]/@n"/>
    <xsl:choose>
      <!-- one page: which one (〔第4版未录入〕; "1版" read as "page 1") -->
      <xsl:when test="@unit = 'page' and (not(@quantity) or @quantity = 1) and $page">
        <xsl:value-of select="concat('〔第', $page, '版', $why, '〕')"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:value-of select="concat('〔', $why)"/>
        <xsl:if test="@quantity">
          <xsl:text>：</xsl:text>
          <xsl:if test="@unit = 'page'">共</xsl:if>
          <xsl:value-of select="concat(@quantity, $unit)"/>
        </xsl:if>
        <xsl:text>〕</xsl:text>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- The title an article is known by: its main head, else its first head. -->
  <xsl:template name="article-title">
    <xsl:param name="article" select="."/>
    <xsl:choose>
      <xsl:when test="$article/tei:head[@type = 'main']">
        <xsl:apply-templates select="$article/tei:head[@type = 'main'][1]" mode="plain"/>
      </xsl:when>
      <xsl:when test="$article/tei:head">
        <xsl:apply-templates select="$article/tei:head[1]" mode="plain"/>
      </xsl:when>
    </xsl:choose>
  </xsl:template>

  <!--
    What a reader sees in a table of contents: the title; for an untitled
    continuation, the title of the part it continues; else the opening words.
  -->
  <xsl:template name="article-label">
    <xsl:variable name="prev" select="key('by-id', substring(@prev, 2))"/>
    <xsl:variable name="opening"><xsl:apply-templates select="(.//tei:p)[1]" mode="plain"/></xsl:variable>
    <xsl:choose>
      <xsl:when test="tei:head"><xsl:call-template name="article-title"/></xsl:when>
      <xsl:when test="starts-with(@prev, '#') and $prev/tei:head">
        <xsl:call-template name="article-title">
          <xsl:with-param name="article" select="$prev"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:when test="string-length($opening) &gt; 16">
        <xsl:value-of select="concat(substring($opening, 1, 16), '…')"/>
      </xsl:when>
      <xsl:when test="$opening != ''"><xsl:value-of select="$opening"/></xsl:when>
      <xsl:otherwise>[无标题]</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Plain string of an element: lb contributes nothing, line-ends become spaces. -->
  <xsl:template match="tei:lb" mode="plain"/>
  <xsl:template match="tei:note" mode="plain"/>
  <xsl:template match="text()" mode="plain">
    <xsl:value-of select="translate(., '&#10;&#13;&#9;', '   ')"/>
  </xsl:template>

  <!-- Safe external links only: http(s) and mailto; anything else is not a link. -->
  <xsl:template name="is-safe-url">
    <xsl:param name="url"/>
    <xsl:variable name="lower" select="translate($url, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"/>
    <xsl:if test="(starts-with($lower, 'https://') or starts-with($lower, 'http://')
                   or starts-with($lower, 'mailto:'))
                  and not(contains($url, ' ')) and not(contains($url, '&quot;'))">yes</xsl:if>
  </xsl:template>

</xsl:stylesheet>
